//! The canonical encoding of an event, version 1.
//!
//! Every field is written as a 4-byte big-endian length and its UTF-8 bytes,
//! in the order below; an absent optional field is the length `0xFFFFFFFF`
//! with no bytes. Lengths make the encoding unambiguous without escaping, and
//! any JSON or CSV export can be re-encoded by an auditor in a few lines.
//!
//! `personal_digest = SHA-256(enc("nexxt-consent/personal/v1", salt, url,
//! ip_prefix, user_agent))` and `hash = SHA-256(enc("nexxt-consent/event/v1",
//! chain_id, seq, recorded_at, site, consent_id, action, source,
//! policy_version, policy_hash, choices, gpc, locale, personal_digest,
//! prev_hash))`, both as lowercase hex. The event hash covers personal fields
//! only through their digest, so erasing them (and the random salt, which
//! stops anyone from guessing them back from the digest) keeps the chain intact.

use sha2::{Digest, Sha256};

use crate::domain::StoredEvent;

const EVENT_DOMAIN: &str = "nexxt-consent/event/v1";
const PERSONAL_DOMAIN: &str = "nexxt-consent/personal/v1";

struct Encoder(Sha256);

impl Encoder {
    fn new(domain: &str) -> Self {
        let mut e = Self(Sha256::new());
        e.field(domain);
        e
    }

    fn field(&mut self, value: &str) -> &mut Self {
        let len = u32::try_from(value.len()).expect("ledger fields are far below 4 GiB");
        self.0.update(len.to_be_bytes());
        self.0.update(value.as_bytes());
        self
    }

    fn optional(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.field(v),
            None => {
                self.0.update(u32::MAX.to_be_bytes());
                self
            }
        }
    }

    fn finish(self) -> String {
        hex::encode(self.0.finalize())
    }
}

/// Digest of the personal fields and their salt.
pub fn personal_digest(
    salt: &str,
    url: Option<&str>,
    ip_prefix: Option<&str>,
    user_agent: Option<&str>,
) -> String {
    let mut e = Encoder::new(PERSONAL_DOMAIN);
    e.field(salt)
        .optional(url)
        .optional(ip_prefix)
        .optional(user_agent);
    e.finish()
}

/// The canonical JSON of a choice map: keys sorted, no white space.
pub use crate::domain::choices_json;

/// Hash of an event: its own fields, its personal digest and its predecessor.
pub fn event_hash(event: &StoredEvent) -> String {
    let mut e = Encoder::new(EVENT_DOMAIN);
    e.field(&event.chain_id)
        .field(&event.seq.to_string())
        .field(&event.recorded_at)
        .field(&event.site)
        .field(&event.consent_id)
        .field(&event.action)
        .field(&event.source)
        .field(&event.policy_version)
        .field(&event.policy_hash)
        .field(&choices_json(&event.choices))
        .field(if event.gpc { "true" } else { "false" })
        .optional(event.locale.as_deref())
        .field(&event.personal_digest)
        .field(&event.prev_hash);
    e.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_and_empty_fields_hash_differently() {
        let a = personal_digest("s", None, Some(""), None);
        let b = personal_digest("s", Some(""), None, None);
        assert_ne!(a, b);
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        let a = personal_digest("ab", Some("c"), None, None);
        let b = personal_digest("a", Some("bc"), None, None);
        assert_ne!(a, b);
    }

    // Vectors computed independently (Python, from the format in the module
    // docs): a change of the encoding would stop every export from verifying.
    #[test]
    fn personal_digest_matches_the_documented_format() {
        let digest = personal_digest("00", Some("https://x.test/"), Some("192.0.2.0/24"), None);
        assert_eq!(
            digest,
            "9e05a84f47712c6cfd56505b85721b48ae0e23fe99d048291a018c876f7caf1a"
        );
    }

    #[test]
    fn event_hash_matches_the_documented_format() {
        let event = StoredEvent {
            chain_id: "c".into(),
            seq: 1,
            recorded_at: "2026-01-01T00:00:00.000000Z".into(),
            site: "www".into(),
            consent_id: "id".into(),
            action: "given".into(),
            source: "api".into(),
            policy_version: "v".into(),
            policy_hash: "h".into(),
            choices: [("necessary".to_owned(), true)].into(),
            gpc: false,
            locale: None,
            url: None,
            ip_prefix: None,
            user_agent: None,
            personal_salt: None,
            personal_digest: "d".into(),
            prev_hash: crate::ledger::GENESIS_HASH.into(),
            hash: String::new(),
            redacted_at: None,
        };
        assert_eq!(
            event_hash(&event),
            "157dec52d07bf6d3a7ee9f6f66d52669d8495c9c89cf22e79bfd51b9e3a661b4"
        );
    }
}
