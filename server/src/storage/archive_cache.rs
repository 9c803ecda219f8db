//! Archived policy documents by hash, kept once read: a document never
//! changes under its hash, and every read of a consent's history names one
//! (about 13 KB), which would otherwise be a database round trip each time.
//! Kept with it, the document as a JSON string, escaped once: escaping it
//! again for every history was a tenth of a PostgreSQL read's CPU.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use sea_orm::ConnectionTrait;
use serde_json::value::RawValue;

use super::policies::{ArchivedPolicy, find_archived_policy};

/// Policy versions are few; the bound only keeps a damaged ledger that
/// names many hashes from growing the cache without end.
const MAX_ENTRIES: usize = 256;

#[derive(Default)]
pub struct ArchiveCache {
    documents: RwLock<HashMap<String, Arc<CachedPolicy>>>,
}

/// An archived policy and its document as a JSON string literal.
#[derive(Debug)]
pub struct CachedPolicy {
    pub policy: ArchivedPolicy,
    pub document_json: Box<RawValue>,
}

impl CachedPolicy {
    fn new(policy: ArchivedPolicy) -> Self {
        let escaped = serde_json::to_string(&policy.document).expect("a string serialises");
        let document_json = RawValue::from_string(escaped).expect("a string literal is JSON");
        Self {
            policy,
            document_json,
        }
    }
}

impl ArchiveCache {
    /// The archived policy of `hash`: from memory once read, else from `db`.
    /// A hash not archived is not remembered (another instance may archive
    /// it any moment).
    ///
    /// # Errors
    /// When the database cannot be read.
    pub async fn find(
        &self,
        db: &impl ConnectionTrait,
        hash: &str,
    ) -> Result<Option<Arc<CachedPolicy>>, sea_orm::DbErr> {
        let known = self
            .documents
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(hash)
            .cloned();
        if known.is_some() {
            return Ok(known);
        }
        let Some(found) = find_archived_policy(db, hash).await? else {
            return Ok(None);
        };
        let found = Arc::new(CachedPolicy::new(found));
        let mut documents = self.documents.write().unwrap_or_else(|e| e.into_inner());
        if documents.len() >= MAX_ENTRIES {
            documents.clear();
        }
        documents.insert(hash.to_owned(), Arc::clone(&found));
        Ok(Some(found))
    }
}
