//! Auditor API keys: shown once at creation, stored only as a SHA-256 hash.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Prefix that makes a leaked key recognisable to secret scanners.
const PREFIX: &str = "nxa_";

/// A new random key (256 bits) and the hash to store.
pub fn generate_key() -> (String, String) {
    let mut secret = [0u8; 32];
    aws_lc_rs::rand::fill(&mut secret).expect("the system random generator works");
    let key = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(secret));
    let hash = hash_key(&key);
    (key, hash)
}

/// The stored form of a key. A fast hash is enough: keys are random, not
/// passwords, so there is nothing to guess.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Constant-time comparison of two stored hashes.
pub fn same_hash(a: &str, b: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

/// Auditor names: short, printable, no spaces (they appear in logs).
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.@".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_prefixed_and_hash_to_what_is_stored() {
        let (a, hash_a) = generate_key();
        let (b, _) = generate_key();
        assert_ne!(a, b);
        assert!(a.starts_with(PREFIX));
        assert!(same_hash(&hash_key(&a), &hash_a));
        assert!(!same_hash(&hash_key(&b), &hash_a));
    }

    #[test]
    fn auditor_names_are_plain() {
        assert!(valid_name("dpo@nexxt"));
        assert!(!valid_name(""));
        assert!(!valid_name("two words"));
        assert!(!valid_name("tab\tname"));
    }
}
