//! The pseudonymous id a visitor's consents are recorded under.

use std::fmt;

use uuid::Uuid;

/// A random (v4) UUID, in its lowercase hyphenated form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConsentId(Uuid);

#[derive(Debug, thiserror::Error)]
#[error("`consent_id` must be a UUID as returned by this server")]
pub struct ConsentIdError;

impl ConsentId {
    /// A fresh id for a visitor who has none yet.
    pub fn generate() -> Self {
        Self(Uuid::new_v4())
    }

    /// # Errors
    /// When `value` is not a UUID.
    pub fn parse(value: &str) -> Result<Self, ConsentIdError> {
        Uuid::try_parse(value).map(Self).map_err(|_| ConsentIdError)
    }
}

impl fmt::Display for ConsentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_id_round_trips_through_parse() {
        let id = ConsentId::generate();
        assert_eq!(ConsentId::parse(&id.to_string()).unwrap(), id);
    }

    #[test]
    fn non_uuid_is_rejected() {
        for bad in [
            "",
            "abc",
            "../etc/passwd",
            "12345678-1234-1234-1234-1234567890zz",
        ] {
            assert!(ConsentId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
