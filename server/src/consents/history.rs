//! Reading one's own records (access and portability), with the policy
//! documents the decisions were made on, so that the copy proves itself.

use std::sync::Arc;

use serde::Serialize;
use utoipa::ToSchema;

use super::{ConsentError, Holder};
use crate::domain::{PublicEvent, StoredEvent};
use crate::storage::{self, ArchiveCache, CachedPolicy};

/// Everything recorded under one consent id.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentHistory {
    pub consent_id: String,
    pub site: String,
    /// Every field but the salt, which stays with the ledger.
    #[serde(serialize_with = "public_events")]
    #[schema(value_type = Vec<PublicEvent>)]
    pub events: Vec<StoredEvent>,
    /// The archived policy documents the events name, once each: SHA-256
    /// of `document` is the `policy_hash` of the events decided on it.
    pub policies: Vec<PolicyProof>,
}

fn public_events<S: serde::Serializer>(events: &[StoredEvent], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(events.iter().map(PublicEvent))
}

/// A policy document a decision was made on.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PolicyProof {
    pub hash: String,
    pub version: String,
    /// The canonical JSON `[organisation, site policy]`: every text shown.
    #[schema(value_type = String)]
    pub document: Document,
}

/// An archived policy document, shared with the cache (13 KB, not copied
/// for every read) and written out as the cache escaped it.
#[derive(Debug, Clone)]
pub struct Document(Arc<CachedPolicy>);

impl Document {
    pub fn as_str(&self) -> &str {
        &self.0.policy.document
    }
}

impl Serialize for Document {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.document_json.serialize(s)
    }
}

/// Every event of the holder's consent id, oldest first, with the policy
/// documents they name: the events as authentication read them, in this
/// same request (no second query).
///
/// # Errors
/// When the database cannot be read.
pub async fn history(
    db: &impl sea_orm::ConnectionTrait,
    archive: &ArchiveCache,
    holder: &Holder,
) -> Result<ConsentHistory, ConsentError> {
    with_policies(db, archive, holder, holder.events().to_vec()).await
}

/// The history as the ledger holds it now, after this request changed it
/// (an erasure): read again.
///
/// # Errors
/// When the database cannot be read.
pub async fn history_now(
    db: &impl sea_orm::ConnectionTrait,
    archive: &ArchiveCache,
    holder: &Holder,
) -> Result<ConsentHistory, ConsentError> {
    let id = holder.consent_id().to_string();
    let events = storage::events_of(db, holder.site(), &id).await?;
    with_policies(db, archive, holder, events).await
}

async fn with_policies(
    db: &impl sea_orm::ConnectionTrait,
    archive: &ArchiveCache,
    holder: &Holder,
    events: Vec<StoredEvent>,
) -> Result<ConsentHistory, ConsentError> {
    let mut policies: Vec<PolicyProof> = Vec::new();
    for event in &events {
        if policies.iter().any(|p| p.hash == event.policy_hash) {
            continue;
        }
        if let Some(archived) = archive.find(db, &event.policy_hash).await? {
            policies.push(PolicyProof {
                hash: archived.policy.hash.clone(),
                version: archived.policy.version.clone(),
                document: Document(archived),
            });
        }
    }
    Ok(ConsentHistory {
        consent_id: holder.consent_id().to_string(),
        site: holder.site().to_owned(),
        events,
        policies,
    })
}
