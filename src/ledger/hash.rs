//! The canonical encoding of a ledger entry and its hashes.
//!
//! An entry hash is SHA-256 over a domain tag followed by every field as a 4-byte big-endian
//! length and its UTF-8 bytes. Length prefixes make the encoding unambiguous (no field can
//! borrow bytes from its neighbour), and the tag keeps these hashes apart from any other
//! SHA-256 in the system. The payload is represented only by its hash, so a payload can be
//! redacted later without changing any entry hash.

use sha2::{Digest, Sha256};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// The `prev_hash` of the first entry.
pub const GENESIS: Hash = [0u8; 32];

const ENTRY_TAG: &[u8] = b"govwatch-ledger-entry-v1";

/// The hashed fields of an entry, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct EntryFields<'a> {
    /// Sequence number, from 1.
    pub seq: i64,
    /// Canonical RFC 3339 time (`2026-11-27T08:00:00.123456Z`).
    pub recorded_at: &'a str,
    /// Who acted (a user name, or `system:…`).
    pub actor: &'a str,
    /// What was done, e.g. `account.register`.
    pub action: &'a str,
    /// The kind of subject, e.g. `account`.
    pub subject_type: &'a str,
    /// The subject's id.
    pub subject_id: &'a str,
    /// The reason given.
    pub reason: &'a str,
    /// Hex SHA-256 of the payload text.
    pub payload_hash: &'a str,
    /// Hex hash of the previous entry.
    pub prev_hash: &'a str,
}

impl EntryFields<'_> {
    /// SHA-256 of the canonical encoding.
    pub fn hash(&self) -> Hash {
        let mut h = Sha256::new();
        h.update(ENTRY_TAG);
        let seq = self.seq.to_string();
        for field in [
            seq.as_str(),
            self.recorded_at,
            self.actor,
            self.action,
            self.subject_type,
            self.subject_id,
            self.reason,
            self.payload_hash,
            self.prev_hash,
        ] {
            // Fields are bounded by the database far below 4 GiB; saturate to stay total.
            let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
            h.update(len.to_be_bytes());
            h.update(field.as_bytes());
        }
        h.finalize().into()
    }
}

/// SHA-256 of a payload's stored text.
pub fn payload_hash(payload: &str) -> Hash {
    Sha256::digest(payload.as_bytes()).into()
}

/// Lower-case hex.
pub fn to_hex(h: &Hash) -> String {
    hex::encode(h)
}

/// Parses 64 hex characters.
pub fn from_hex(s: &str) -> Option<Hash> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

/// The canonical time format used in entries: UTC, microseconds, `Z`.
pub fn canonical_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(reason: &'a str, actor: &'a str) -> EntryFields<'a> {
        EntryFields {
            seq: 1,
            recorded_at: "2026-11-27T08:00:00.000000Z",
            actor,
            action: "account.register",
            subject_type: "account",
            subject_id: "1",
            reason,
            payload_hash: "ab",
            prev_hash: "00",
        }
    }

    #[test]
    fn length_prefixes_make_field_boundaries_matter() {
        // Moving a character from one field to the next must change the hash.
        assert_ne!(fields("ab", "c").hash(), fields("a", "bc").hash());
        assert_eq!(fields("ab", "c").hash(), fields("ab", "c").hash());
    }

    #[test]
    fn hex_roundtrip() {
        let h = payload_hash("{}");
        assert_eq!(from_hex(&to_hex(&h)), Some(h));
        assert_eq!(from_hex("zz"), None);
    }
}
