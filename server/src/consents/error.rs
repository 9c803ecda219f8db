//! Why a use case refused or failed; each variant is one answer to a client.

use crate::domain::ChoicesError;
use crate::ledger::AppendError;
use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum ConsentError {
    /// The request breaks the policy (a 4xx of its own per rule).
    #[error(transparent)]
    Choices(#[from] ChoicesError),
    /// No valid proof of holding this consent: a missing, forged, expired,
    /// foreign or revoked token, or an id the ledger does not hold. One
    /// answer for all, so that a caller learns nothing about other ids.
    #[error("a valid consent token for this consent id is required")]
    NotHolder,
    /// A consent id was named without the token that proves it.
    #[error(
        "changing consent `{0}` needs its token (Authorization: Bearer <token>); \
         leave `consent_id` out to record a new consent"
    )]
    TokenRequired(String),
    #[error(transparent)]
    Ledger(#[from] AppendError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sea_orm::DbErr> for ConsentError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Storage(e.into())
    }
}
