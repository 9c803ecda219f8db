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

use crate::domain::{Personal, StoredEvent};

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
        // `hex::encode` collects chars one by one; a verification spends
        // more time on that than on a third of its SHA-256.
        let mut text = [0u8; 64];
        hex::encode_to_slice(self.0.finalize(), &mut text).expect("32 bytes are 64 hex digits");
        String::from_utf8(text.to_vec()).expect("hex digits are ASCII")
    }
}

/// Digest of the personal fields and their salt.
pub fn personal_digest(salt: &str, personal: &Personal) -> String {
    let mut e = Encoder::new(PERSONAL_DOMAIN);
    e.field(salt)
        .optional(personal.url.as_deref())
        .optional(personal.ip_prefix.as_deref())
        .optional(personal.user_agent.as_deref());
    e.finish()
}

/// The canonical JSON of a choice map: keys sorted, no white space.
pub use crate::domain::choices_json;

/// Hash of an event: its own fields, its personal digest and its
/// predecessor; the fields the table marks `hashed`, in table order.
pub fn event_hash(event: &StoredEvent) -> String {
    let mut e = Encoder::new(EVENT_DOMAIN);
    event.for_each_cell(|field, cell| {
        if field.hashed {
            e.optional(cell.text().as_deref());
        }
    });
    e.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn personal(url: Option<&str>, ip_prefix: Option<&str>, user_agent: Option<&str>) -> Personal {
        Personal {
            url: url.map(str::to_owned),
            ip_prefix: ip_prefix.map(str::to_owned),
            user_agent: user_agent.map(str::to_owned),
        }
    }

    #[test]
    fn absent_and_empty_fields_hash_differently() {
        let a = personal_digest("s", &personal(None, Some(""), None));
        let b = personal_digest("s", &personal(Some(""), None, None));
        assert_ne!(a, b);
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        let a = personal_digest("ab", &personal(Some("c"), None, None));
        let b = personal_digest("a", &personal(Some("bc"), None, None));
        assert_ne!(a, b);
    }

    // Vectors computed independently (Python, from the format in the module
    // docs): a change of the encoding would stop every export from verifying.
    #[test]
    fn personal_digest_matches_the_documented_format() {
        let digest = personal_digest(
            "00",
            &personal(Some("https://x.test/"), Some("192.0.2.0/24"), None),
        );
        assert_eq!(
            digest,
            "9e05a84f47712c6cfd56505b85721b48ae0e23fe99d048291a018c876f7caf1a"
        );
    }

    /// The hash input the module docs name, field by field.
    fn documented_hash(fields: [Option<&str>; 14]) -> String {
        let mut e = Encoder::new(EVENT_DOMAIN);
        for field in fields {
            e.optional(field);
        }
        e.finish()
    }

    #[test]
    fn event_hash_matches_the_documented_format() {
        let vector = documented_hash([
            Some("c"),
            Some("1"),
            Some("2026-01-01T00:00:00.000000Z"),
            Some("www"),
            Some("id"),
            Some("given"),
            Some("api"),
            Some("v"),
            Some("h"),
            Some("{\"necessary\":true}"),
            Some("false"),
            None,
            Some("d"),
            Some(crate::ledger::GENESIS_HASH),
        ]);
        assert_eq!(
            vector,
            "157dec52d07bf6d3a7ee9f6f66d52669d8495c9c89cf22e79bfd51b9e3a661b4"
        );
    }

    #[test]
    fn the_table_hashes_the_documented_fields_in_their_order() {
        let hashed: Vec<&str> = crate::domain::FIELDS
            .iter()
            .filter(|f| f.hashed)
            .map(|f| f.name)
            .collect();
        assert_eq!(
            hashed,
            [
                "chain_id",
                "seq",
                "recorded_at",
                "site",
                "consent_id",
                "action",
                "source",
                "policy_version",
                "policy_hash",
                "choices",
                "gpc",
                "locale",
                "personal_digest",
                "prev_hash"
            ]
        );
        let id = "0192f3c4-0000-7000-8000-000000000001";
        let event = StoredEvent {
            position: crate::domain::ChainPosition {
                chain_id: "c".into(),
                seq: 7,
                prev_hash: "p".into(),
                hash: "not hashed".into(),
            },
            recorded_at: crate::clock::LedgerTime::parse("2026-01-01T00:00:00.000000Z").unwrap(),
            site: "www".into(),
            consent_id: crate::domain::ConsentId::parse(id).unwrap(),
            action: crate::domain::Action::Changed,
            source: crate::domain::Source::Banner,
            policy_version: "v".into(),
            policy_hash: "h".into(),
            choices: [("a".to_owned(), false), ("necessary".to_owned(), true)].into(),
            gpc: true,
            locale: Some("nl".into()),
            personal: crate::domain::Personal {
                url: Some("https://x.test/".into()),
                ..Default::default()
            },
            seal: crate::domain::PersonalSeal {
                salt: Some("s".into()),
                digest: "d".into(),
            },
            redacted_at: None,
        };
        assert_eq!(
            event_hash(&event),
            documented_hash([
                Some("c"),
                Some("7"),
                Some("2026-01-01T00:00:00.000000Z"),
                Some("www"),
                Some(id),
                Some("changed"),
                Some("banner"),
                Some("v"),
                Some("h"),
                Some("{\"a\":false,\"necessary\":true}"),
                Some("true"),
                Some("nl"),
                Some("d"),
                Some("p"),
            ])
        );
    }
}
