//! The proof that a caller holds a consent: a token this server signed for
//! the id, whose id the ledger holds and has not seen withdrawn.

use super::ConsentError;
use crate::domain::{ConsentId, StoredEvent};
use crate::storage::{KeyCache, SubjectReads, SubjectState};
use crate::tokens::{self, ConsentClaims};

/// A verified holder of one consent id on one site. Only [`authenticate`]
/// makes one, so a function that takes a `Holder` cannot be reached with a
/// bare id.
#[derive(Debug, Clone)]
pub struct Holder {
    consent_id: ConsentId,
    claims: ConsentClaims,
    /// The id's events as read to decide it still counts, oldest first: a
    /// read of the history needs no second query.
    events: Vec<StoredEvent>,
}

impl Holder {
    pub fn consent_id(&self) -> ConsentId {
        self.consent_id
    }

    /// The site the token was issued for (its `aud`).
    pub fn site(&self) -> &str {
        &self.claims.aud
    }

    /// The verified claims of the token.
    pub fn claims(&self) -> &ConsentClaims {
        &self.claims
    }

    /// The id's events when it was authenticated, oldest first.
    pub fn events(&self) -> &[StoredEvent] {
        &self.events
    }
}

/// Verifies `token` (signature with a published key named by its `kid`,
/// issuer, expiry) and that the ledger holds its consent id, not withdrawn.
///
/// # Errors
/// [`ConsentError::NotHolder`] for any of those failing, whichever it was;
/// a storage error when the database cannot be read (never a pass).
pub async fn authenticate(
    reads: &SubjectReads,
    keys: &KeyCache,
    issuer: &str,
    token: &str,
) -> Result<Holder, ConsentError> {
    let kid = tokens::key_id(token).map_err(|_| ConsentError::NotHolder)?;
    let key = keys
        .find(reads.db(), &kid)
        .await?
        .ok_or(ConsentError::NotHolder)?;
    let claims = tokens::verify(token, &key, issuer).map_err(|_| ConsentError::NotHolder)?;
    let consent_id = ConsentId::parse(&claims.sub).map_err(|_| ConsentError::NotHolder)?;
    // One query decides and serves: the events themselves, not only their
    // actions (each query is a round trip to the database's thread).
    let events = reads.events_of(&claims.aud, &claims.sub).await?;
    match SubjectState::of_actions(events.iter().map(|e| e.action.as_str())) {
        SubjectState::Active => Ok(Holder {
            consent_id,
            claims,
            events,
        }),
        // Unknown: purged, or never ours. Withdrawn: revoked for good.
        SubjectState::Unknown | SubjectState::Withdrawn => Err(ConsentError::NotHolder),
    }
}
