//! Keyed hashes of found personal information.
//!
//! A finding must be recognisable on the next crawl (same value, same place ⇒ same
//! fingerprint) without govwatch holding the value itself. HMAC-SHA256 with a key
//! kept outside the database does both: equal values give equal hashes, and a
//! stolen database cannot be brute-forced back into ID numbers (an 18-digit ID has
//! only ~10^10 plausible values, so an unkeyed hash would be reversible in minutes).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::error::RulesError;

type HmacSha256 = Hmac<Sha256>;

/// Computes the keyed hash stored in `Hit::value_hash`.
///
/// Build it once from the key in the data directory and share it; it is cheap to use.
/// `Debug` never shows the key.
#[derive(Clone)]
pub struct ValueHasher {
    mac: HmacSha256,
}

impl std::fmt::Debug for ValueHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ValueHasher(..)")
    }
}

impl ValueHasher {
    /// Shortest key accepted: 128 bits.
    pub const MIN_KEY_LEN: usize = 16;

    /// A hasher for `key` (at least [`Self::MIN_KEY_LEN`] bytes; 32 random bytes recommended).
    pub fn new(key: &[u8]) -> Result<Self, RulesError> {
        if key.len() < Self::MIN_KEY_LEN {
            return Err(RulesError::WeakHashKey {
                min: Self::MIN_KEY_LEN,
                got: key.len(),
            });
        }
        // HMAC takes keys of any length, so this cannot fail once the length is checked.
        let mac = HmacSha256::new_from_slice(key).map_err(|_| RulesError::WeakHashKey {
            min: Self::MIN_KEY_LEN,
            got: key.len(),
        })?;
        Ok(ValueHasher { mac })
    }

    /// Lowercase hex HMAC of `kind ‖ 0x00 ‖ value`.
    ///
    /// The kind (`resident_id`, `mobile`, …) separates domains, so the same digits
    /// found as a card and as an ID give different fingerprints.
    pub fn hash(&self, kind: &str, value: &[u8]) -> String {
        let mut mac = self.mac.clone();
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(value);
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_equal_hashes_and_keys_and_kinds_separate() {
        let a = ValueHasher::new(b"0123456789abcdef0123456789abcdef").unwrap();
        let b = ValueHasher::new(b"fedcba9876543210fedcba9876543210").unwrap();
        let h1 = a.hash("mobile", b"13800138000");
        assert_eq!(h1, a.hash("mobile", b"13800138000"));
        assert_eq!(h1.len(), 64);
        assert_ne!(h1, b.hash("mobile", b"13800138000"));
        assert_ne!(h1, a.hash("bank_card", b"13800138000"));
        assert_ne!(h1, a.hash("mobile", b"13800138001"));
    }

    #[test]
    fn short_keys_are_refused_and_debug_hides_the_key() {
        assert_eq!(
            ValueHasher::new(b"short").unwrap_err(),
            RulesError::WeakHashKey { min: 16, got: 5 }
        );
        let h = ValueHasher::new(b"secret-key-secret-key").unwrap();
        assert_eq!(format!("{h:?}"), "ValueHasher(..)");
    }
}
