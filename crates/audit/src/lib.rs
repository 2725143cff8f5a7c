//! The audit log's hash chain (DESIGN §4).
//!
//! Every record's `hash = SHA-256(prev_hash ‖ record)`, where `record` is the canonical JSON
//! array `[seq, at_us, actor, action, entity, payload]` and `payload` is the record's canonical
//! JSON text as stored. Changing, deleting or inserting any record breaks the chain at that
//! record; the store's head row (last sequence and hash) catches a deleted tail.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// The `prev_hash` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An audit record as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: i64,
    /// Microseconds since the Unix epoch, UTC.
    pub at_us: i64,
    pub actor: String,
    pub action: String,
    pub entity: String,
    /// Canonical JSON (keys sorted, no insignificant space).
    pub payload: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Canonical JSON for a payload: every object's keys in byte order, no insignificant white
/// space, so the same payload hashes the same whichever way it was built (and whatever
/// serde_json's map preserves). Writing a `Value` cannot fail.
pub fn canonical_json(value: &serde_json::Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The hash of a record given the previous record's hash.
pub fn chain_hash(
    prev_hash: &str,
    seq: i64,
    at_us: i64,
    actor: &str,
    action: &str,
    entity: &str,
    payload: &str,
) -> String {
    let record = serde_json::json!([seq, at_us, actor, action, entity, payload]).to_string();
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(record.as_bytes());
    sha256_hex(&hasher.finalize().into())
}

/// SHA-256 of arbitrary bytes, hex-encoded (batch digests, content hashes, token hashes).
pub fn digest_hex(bytes: &[u8]) -> String {
    sha256_hex(&Sha256::digest(bytes).into())
}

/// A digest in lower-case hex, written a byte at a time into a string of the right size
/// (`hex::encode` builds its string a character at a time, which showed in the profile of
/// every authenticated request: a token is hashed on each).
fn sha256_hex(digest: &[u8; 32]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AuditError {
    #[error("audit record {seq}: {reason}")]
    Broken { seq: i64, reason: BreakReason },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum BreakReason {
    #[error("sequence number out of order (a record was deleted or inserted)")]
    Sequence,
    #[error("previous-hash link does not match the record before it")]
    Link,
    #[error("hash does not match the record's contents (the record was changed)")]
    Hash,
    #[error("records after it are missing (the log ends before its recorded head)")]
    Truncated,
    #[error(
        "the log goes on past its recorded head (a record was appended behind the system's back)"
    )]
    Appended,
}

impl AuditError {
    pub fn seq(&self) -> i64 {
        match self {
            Self::Broken { seq, .. } => *seq,
        }
    }
}

/// Walks a chain in sequence order, one record at a time, so a verifier can stream any size.
#[derive(Debug, Clone)]
pub struct Verifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            prev_hash: GENESIS.to_owned(),
        }
    }
}

impl Verifier {
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks the next record.
    pub fn push(&mut self, r: &AuditRecord) -> Result<(), AuditError> {
        if r.seq != self.expected_seq {
            // A gap names the first missing number; a repeat or a step back names the record.
            let seq = if r.seq > self.expected_seq {
                self.expected_seq
            } else {
                r.seq
            };
            return Err(AuditError::Broken {
                seq,
                reason: BreakReason::Sequence,
            });
        }
        if r.prev_hash != self.prev_hash {
            return Err(AuditError::Broken {
                seq: r.seq,
                reason: BreakReason::Link,
            });
        }
        let expected = chain_hash(
            &r.prev_hash,
            r.seq,
            r.at_us,
            &r.actor,
            &r.action,
            &r.entity,
            &r.payload,
        );
        if expected != r.hash {
            return Err(AuditError::Broken {
                seq: r.seq,
                reason: BreakReason::Hash,
            });
        }
        self.expected_seq += 1;
        self.prev_hash.clone_from(&r.hash);
        Ok(())
    }

    /// Number of records checked so far.
    pub fn checked(&self) -> i64 {
        self.expected_seq - 1
    }

    /// Ends the walk against the store's head (last sequence number and hash).
    pub fn finish(&self, head_seq: i64, head_hash: &str) -> Result<i64, AuditError> {
        let last = self.expected_seq - 1;
        if last < head_seq {
            return Err(AuditError::Broken {
                seq: last + 1,
                reason: BreakReason::Truncated,
            });
        }
        if last > head_seq {
            return Err(AuditError::Broken {
                seq: head_seq + 1,
                reason: BreakReason::Appended,
            });
        }
        if head_hash != self.prev_hash {
            return Err(AuditError::Broken {
                seq: last.max(1),
                reason: BreakReason::Hash,
            });
        }
        Ok(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let payload = canonical_json(&serde_json::json!({"b": seq, "a": "x"}));
                let hash = chain_hash(
                    &prev,
                    seq,
                    seq * 1000,
                    "hq",
                    "test.act",
                    "thing/1",
                    &payload,
                );
                let r = AuditRecord {
                    seq,
                    at_us: seq * 1000,
                    actor: "hq".into(),
                    action: "test.act".into(),
                    entity: "thing/1".into(),
                    payload,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                r
            })
            .collect()
    }

    fn verify(records: &[AuditRecord], head: (i64, &str)) -> Result<i64, AuditError> {
        let mut v = Verifier::new();
        for r in records {
            v.push(r)?;
        }
        v.finish(head.0, head.1)
    }

    #[test]
    fn digests_are_lower_case_hex_sha256() {
        // FIPS 180-2's test vectors.
        assert_eq!(
            digest_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            digest_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn canonical_json_sorts_keys() {
        assert_eq!(
            canonical_json(&serde_json::json!({"b": 1, "a": [2, {"d": 1, "c": 2}]})),
            r#"{"a":[2,{"c":2,"d":1}],"b":1}"#
        );
        // Strings are escaped as JSON writes them; keys sort by their bytes.
        assert_eq!(
            canonical_json(&serde_json::json!({"ب": "\"x\"\n", "a": null, "Z": 1.5, "e": true})),
            r#"{"Z":1.5,"a":null,"e":true,"ب":"\"x\"\n"}"#
        );
        // The same as serde_json writes a sorted map, so records already in a chain verify.
        let value = serde_json::json!({"counties": 25, "stations": 3003, "digest": "ab", "ballots": {"2": 1, "10": 3}});
        assert_eq!(canonical_json(&value), value.to_string());
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, (5, &c[4].hash)), Ok(5));
        assert_eq!(verify(&[], (0, GENESIS)), Ok(0));
    }

    #[test]
    fn changed_record_is_named() {
        let mut c = chain(5);
        c[2].actor = "intruder".into();
        assert_eq!(verify(&c, (5, &c[4].hash.clone())).unwrap_err().seq(), 3);
        let mut c = chain(5);
        c[1].payload = r#"{"a":"y","b":2}"#.into();
        assert_eq!(
            verify(&c, (5, &c[4].hash.clone())),
            Err(AuditError::Broken {
                seq: 2,
                reason: BreakReason::Hash
            })
        );
    }

    #[test]
    fn deleted_record_is_named() {
        let mut c = chain(5);
        c.remove(2);
        assert_eq!(
            verify(&c, (5, &c[3].hash.clone())),
            Err(AuditError::Broken {
                seq: 3,
                reason: BreakReason::Sequence
            })
        );
        let mut c = chain(5);
        let head = c[4].hash.clone();
        c.pop();
        assert_eq!(
            verify(&c, (5, &head)),
            Err(AuditError::Broken {
                seq: 5,
                reason: BreakReason::Truncated
            })
        );
    }

    #[test]
    fn inserted_record_is_named() {
        let c = chain(5);
        let mut forged = c[2].clone();
        forged.entity = "forged".into();
        let mut with_insert = c.clone();
        with_insert.insert(3, forged);
        assert_eq!(verify(&with_insert, (5, &c[4].hash)).unwrap_err().seq(), 3);
        // A well-formed record appended behind the system's back, past the head.
        let mut appended = chain(6);
        let head = appended[4].hash.clone();
        appended.truncate(6);
        assert_eq!(
            verify(&appended, (5, &head)),
            Err(AuditError::Broken {
                seq: 6,
                reason: BreakReason::Appended
            })
        );
    }
}
